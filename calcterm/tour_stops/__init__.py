"""The guided tour's stops, one module per part of the article, in article order.

Adding a stop is one `Stop(...)` entry in the part it belongs to; `calcterm.tour` reads
`STOPS` and the tests hold it to the article's order and coverage.
"""

from calcterm.tour_stops import part1, part2, part3, part4

STOPS = part1.STOPS + part2.STOPS + part3.STOPS + part4.STOPS
