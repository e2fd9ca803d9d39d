// The trivial script of bench/script_step.py: the call's answer, one field added.
result = Object.assign({}, context["fetch"], { checked: true });
