"""calcterm: from the rate of change to neural-network gradients, in the terminal."""

__version__ = "0.1.0"
