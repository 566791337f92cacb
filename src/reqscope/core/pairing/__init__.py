"""Pairing: what a leader shows, published redacted for followers (`reqscope follow`).

`snapshot` turns the leader's current request, exchange and diagnosis into one redacted JSON
line; `channel` carries those lines over a user-only Unix socket. No Textual here.
"""
