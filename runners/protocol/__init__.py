"""The runner channel's protocol, written once: sealing, job kinds and their payload and result shapes.

Django-free (stdlib and `cryptography` only): the portal and the runner agent both import it, so
what one side encodes the other decodes with the same code.
"""
