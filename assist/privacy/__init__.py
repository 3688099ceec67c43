"""Data-subject requests (GDPR art. 15/17, CCPA): export everything held on a customer, or erase it."""
