"""The Textual front end. Nothing under reqscope.core imports this package."""
