"""Running one of our FunctionNodes, with Chainer's graph only where a gradient will be needed."""
import chainer_compat  # noqa: F401  (before chainer: what today's numpy and Python removed)
import chainer


def apply_node(node, inputs):
    """node.apply(inputs); under chainer.no_backprop_mode (acting, evaluation) node.forward on the
    arrays, its outputs wrapped in Variables: the same computation without building a graph
    node, which costs about 10 microseconds a call (bench/step_breakdown.py's acting forward)."""
    if chainer.config.enable_backprop:
        return node.apply(inputs)
    arrays = tuple(x.array if isinstance(x, chainer.Variable) else x for x in inputs)
    return tuple(chainer.Variable(y, requires_grad=False) for y in node.forward(arrays))
