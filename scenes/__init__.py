"""The scenes, one module each; installed as `calcterm.scenes` and found by discovery."""
