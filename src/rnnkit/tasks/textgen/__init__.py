"""Text generation and next-word prediction: character and word language models.

    from rnnkit.tasks.textgen import LanguageModelConfig, TextGenConfig, train, load_model, generate
"""
