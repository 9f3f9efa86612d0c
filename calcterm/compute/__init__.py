"""Pure numpy mathematics behind the scenes; nothing here knows about the terminal."""
