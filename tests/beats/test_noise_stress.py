"""The noise stress test on real records: denoisers' SNR improvement, QRS detection under noise."""

from vitalkit.beats.noise_stress import improvement_summary, noise_stress_table, noisy_detection_table


def test_noise_stress_on_real_records_matches_known_filter_behaviour() -> None:
    table = noise_stress_table(
        ["100"],
        ["bw", "ma", "pl"],
        [6.0],
        ["median baseline", "wavelet denoise", "notch 60 Hz"],
        duration_s=20.0,
    )
    gain = improvement_summary(table)
    assert gain.loc["median baseline", ("bw", 6.0)] > 6  # baseline removal helps against wander
    assert gain.loc["wavelet denoise", ("ma", 6.0)] > 1  # denoising helps against EMG
    assert gain.loc["notch 60 Hz", ("pl", 6.0)] > 20  # the notch removes hum
    assert abs(gain.loc["notch 60 Hz", ("bw", 6.0)]) < 0.5  # and does nothing to wander


def test_detection_degrades_with_noise() -> None:
    table = noisy_detection_table(["100"], ["ma"], [24.0, 0.0], detector="neurokit", duration_s=30.0)
    assert table.loc[("ma", 24.0), "beats"] == 38
    assert table.loc[("ma", 24.0), "F1 %"] > 97
    assert table.loc[("ma", 0.0), "F1 %"] < 80
