"""`learnware.model.torch_model.TorchModel`, as in the Python learnware package (torch is imported lazily)."""


class TorchModel:
    def __init__(self, model, input_shape, output_shape, device=None):
        self._model = model
        self.input_shape = input_shape
        self.output_shape = output_shape
        self.device = device

    @property
    def model(self):
        """The wrapped `torch.nn.Module`."""
        return self._model

    def predict(self, X):
        pass

    def fit(self, X, y):
        pass

    def finetune(self, X, y):
        pass
