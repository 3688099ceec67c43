"""Next-best-action models that explain themselves.

A pure library (numpy, pandas, scikit-learn, LightGBM, shap, matplotlib): ``catalog`` (actions and policy,
as data), ``features`` (the one feature function for training and serving), ``training`` and ``report``,
``evaluation`` (IPS/SNIPS/DR), ``rule_policy``, ``explain`` (TreeSHAP -> reasons), ``guardrails``,
``artifacts`` (a version directory), ``promotion`` (the gate a version passes to be served), ``scorer``
(serving), ``drift`` (PSI), ``knowledge`` and ``checklists``. It never imports ``assist``, ``routing`` or ``simulator``.
"""
