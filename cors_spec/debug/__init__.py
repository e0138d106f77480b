"""The CORS debugger: a live server probed (probe.py), a browser's HAR explained (har_read.py,
har_explain.py), and the smallest server change that makes a blocked request pass (fix.py).

It sits above the oracle (it uses the wire client and the misconfiguration battery) and
below the command line.
"""
