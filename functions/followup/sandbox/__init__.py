"""A simulated Exact Online REST API on real HTTP: the embedded default and the test backbone.

`state` holds the data, tokens and limits; `server` serves them on 127.0.0.1; `demo_data` seeds a
believable administration. Everything is stdlib.
"""
