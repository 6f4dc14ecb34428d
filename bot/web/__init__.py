"""The glossary as web pages: rendered once per glossary, served by the bot and written as a site."""
