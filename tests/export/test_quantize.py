"""int8: static QDQ quantization keeps the package metadata and stays close to fp32 on real beats."""

from __future__ import annotations

import numpy as np
import torch

from vitalkit.beats.dataset import load_mitdb_record, record_beats
from vitalkit.export.onnx_export import export_beat_model
from vitalkit.export.package import beat_model_metadata, load_package, metadata_props
from vitalkit.export.quantize import calibration_sample, int8_comparison, int8_table, quantize_int8
from vitalkit.export.stage import recipe_of
from vitalkit.models import BeatNet


def test_int8_model_is_a_valid_package_close_to_fp32(data_dir, tmp_path):
    beats, _ = record_beats(
        load_mitdb_record("213", data_dir, lead=None), ["N", "S", "V", "F"], features="transfer"
    )
    torch.manual_seed(0)
    from vitalkit.samples import BeatScaler

    scaler = BeatScaler().fit(beats.windows, beats.rr)
    net = BeatNet("resnet1d", 4, hparams={"channels": [8, 16]}, scaler=scaler.to_dict()).eval()
    doc = beat_model_metadata(
        "net",
        "resnet1d",
        "neural",
        beats.classes,
        recipe_of(beats),
        beats.windows.shape[1:],
        beats.feature_names,
        {},
    )
    n_rr = beats.rr.shape[1]
    fp32 = export_beat_model(
        net, tmp_path / "m.onnx", beats.windows.shape[1:], metadata_props(doc), n_rr=n_rr
    )
    arrays = {"window": beats.windows, "rr": beats.rr}
    int8 = quantize_int8(fp32, tmp_path / "m.int8.onnx", calibration_sample(arrays, 500, seed=0))
    package = load_package(int8)
    assert package.metadata["quantization"]["format"] == "QDQ"
    assert package.metadata["quantization"]["calibration"] == "MinMax on 500 training beats"
    result = int8_comparison(net, fp32, int8, arrays, beats.labels, list(beats.classes), n_runs=20)
    assert result["agreement"] > 0.95 and result["size_kb"]["int8"] < result["size_kb"]["fp32"]
    table = int8_table({"net": result}, list(beats.classes))
    assert {"delta_macro_f1", "delta_S_F1", "p50_ms onnxruntime int8", "int8_speedup"} <= set(table.columns)
    assert np.isfinite(table.loc["net", "p50_ms pytorch"])
