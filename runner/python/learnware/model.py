"""`learnware.model.BaseModel`, compatible with the Python learnware package's base class."""


class BaseModel:
    """Base interface a learnware's model implements (same signature as the learnware package)."""

    def __init__(self, input_shape: tuple, output_shape: tuple):
        self.input_shape = input_shape
        self.output_shape = output_shape

    def predict(self, X):
        pass

    def fit(self, X, y):
        pass

    def finetune(self, X, y):
        pass
