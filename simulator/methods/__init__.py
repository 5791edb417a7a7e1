"""The simulated Bot API's methods, one module per group as Telegram's documentation has
them; `simulator.botapi.BotApi` combines them. A method `m_<name>` answers `<name>`."""
