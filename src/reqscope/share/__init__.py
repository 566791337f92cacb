"""`reqscope share`: the running app shared over SSH, each guest with their own app instance.

Optional (`pip install 'reqscope[share]'`, which brings asyncssh). `keys` (allow list, roles,
host key), `server` (the SSH server and its refusals), `driver` (a Textual driver over an SSH
channel), `hub` (guests, roles, snapshots), `guest` (a guest's app), `edits` (a driving guest's
edit applied with the host's secrets kept), `host` (the host's app).
"""
