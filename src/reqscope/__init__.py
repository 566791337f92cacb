"""reqscope: debug HTTP requests live and learn why a server refused them."""

__version__ = "0.1.0"
