"""`learnware.model.base.BaseModel`: the same class and signatures as the Python learnware package."""


class BaseModel:
    """Base interface a learnware's model implements when it is submitted to a market."""

    def __init__(self, input_shape: tuple, output_shape: tuple):
        """`input_shape` / `output_shape`: shapes of one input row and one prediction (checked by the market)."""
        self.input_shape = input_shape
        self.output_shape = output_shape

    def predict(self, X):
        """Predictions for the rows of `X` (numpy array or torch tensor)."""
        pass

    def fit(self, X, y):
        pass

    def finetune(self, X, y):
        """Continues training the model found by the market on the user's data."""
        pass
