"""xraylatent: find the few structural degrees of freedom an X-ray spectrum depends on."""

__version__ = "0.1.0"
