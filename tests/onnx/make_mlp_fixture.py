"""Generates tests/onnx/fixtures/iris_mlp.onnx: a small MLP (4 -> 16 -> ReLU -> 3 -> Softmax) trained on
scikit-learn's iris with Debian's python3-torch and exported by torch.onnx.export (Gemm, Relu, Softmax; a dynamic
batch dimension). The .onnx file is committed so that tests need no torch (a heavy package): run this once by hand,
with python3-torch installed, to regenerate it.

Run: /usr/bin/python3 tests/onnx/make_mlp_fixture.py
"""

import pathlib

import torch
from sklearn.datasets import load_iris

OUT = pathlib.Path(__file__).resolve().parent / "fixtures" / "iris_mlp.onnx"


def main():
    torch.manual_seed(7)
    iris = load_iris()
    x = torch.tensor(iris.data, dtype=torch.float32)
    y = torch.tensor(iris.target, dtype=torch.long)
    mean, std = x.mean(dim=0), x.std(dim=0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    optimizer = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(300):
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(net((x - mean) / std), y)
        loss.backward()
        optimizer.step()
    # The standardization folded into the first layer, so the model takes raw measurements.
    with torch.no_grad():
        first = net[0]
        first.bias -= (first.weight * (mean / std)).sum(dim=1)
        first.weight /= std
    model = torch.nn.Sequential(net, torch.nn.Softmax(dim=1)).eval()
    accuracy = (model(x).argmax(dim=1) == y).float().mean().item()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(model, x[:2], str(OUT), input_names=["measurements"], output_names=["probabilities"],
                      dynamic_axes={"measurements": {0: "N"}, "probabilities": {0: "N"}}, opset_version=13)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes), training accuracy {accuracy:.3f}")


if __name__ == "__main__":
    main()
