"""The composition root: assembly turns checked files into engines and adapters, the server
runs them on one loop (readiness, drain), reload swaps plans on SIGHUP or a changed file,
workers run a group of processes on shared ports, and loop gives every serving command its
event loop and signals. Nothing under `expose/` imports this package."""
