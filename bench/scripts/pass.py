# The trivial script of bench/script_step.py: the call's answer, one field added.
result = dict(context["fetch"], checked=True)
