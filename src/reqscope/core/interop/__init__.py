"""Import and export: curl commands and HAR files."""
