"""Conversation understanding: what the customer's words say about mood and about why they got in touch.

One sentiment function (``models.language.sentiment``) serves the rules, the model's ``sentiment`` feature and
the panel's trend; one intent classifier (``models.language.intent``) names the contact reason from the words.
"""
