"""The web page for `python -m edge serve` (Flask): see edge/web/server.py and docs/web.md."""
