"""`learnware.specification` names model code may import or reference.

The runner computes and compares specifications in TypeScript; inside a worker these names
exist so that imports of them succeed. Using one raises, naming what to do instead.
"""

__all__ = [
    "Specification", "BaseStatSpecification", "RKMETableSpecification", "RKMEImageSpecification",
    "RKMETextSpecification", "generate_stat_spec", "generate_rkme_table_spec",
]


class Specification:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} is not available inside a runner worker: specifications are computed by the market (TypeScript), not by model code"
        )


class BaseStatSpecification(Specification):
    pass


class RKMETableSpecification(BaseStatSpecification):
    pass


class RKMEImageSpecification(BaseStatSpecification):
    pass


class RKMETextSpecification(BaseStatSpecification):
    pass


def generate_stat_spec(*args, **kwargs):
    raise NotImplementedError("generate_stat_spec is not available inside a runner worker: generate specifications before packing the learnware")


generate_rkme_table_spec = generate_stat_spec
