"""The Textual host: the app, its screens and widgets. Nothing else imports Textual."""
