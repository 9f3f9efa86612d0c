from calcterm.cli import main

main()
