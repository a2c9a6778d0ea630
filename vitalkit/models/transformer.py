"""A 1-D convolutional stem followed by a transformer encoder with positional encoding.

Examples
--------
>>> import torch
>>> net = ConvTransformer(in_channels=1, d_model=16, heads=2, layers=1)
>>> net(torch.zeros(2, 1, 252)).shape
torch.Size([2, 16])
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vitalkit.models.registry import register_backbone


def sinusoidal_encoding(positions: int, d_model: int) -> torch.Tensor:
    """Fixed sinusoidal positional encoding (Vaswani et al. 2017), ``(positions, d_model)``."""
    position = torch.arange(positions, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10_000.0) / d_model))
    table = torch.zeros(positions, d_model)
    table[:, 0::2] = torch.sin(position * freq)
    table[:, 1::2] = torch.cos(position * freq[: d_model // 2])
    return table


@register_backbone("transformer")
class ConvTransformer(nn.Module):
    """Two strided convolutions turn the beat into tokens (about 8-16 ms each); a transformer
    encoder relates them; tokens are mean-pooled.

    Parameters
    ----------
    in_channels : int
        Input channels.
    d_model : int
        Token width.
    stem_stride : int
        Total downsampling of the stem (two convolutions, ``sqrt`` each when square).
    heads : int
        Attention heads.
    layers : int
        Encoder layers.
    ff : int
        Feed-forward width.
    dropout : float
        Dropout in the encoder.
    max_tokens : int
        Longest token sequence the positional table covers.
    """

    def __init__(
        self,
        in_channels: int = 1,
        d_model: int = 32,
        stem_stride: int = 4,
        heads: int = 4,
        layers: int = 2,
        ff: int = 64,
        dropout: float = 0.1,
        max_tokens: int = 512,
    ) -> None:
        super().__init__()
        first = 2 if stem_stride % 2 == 0 else 1
        self.stem = nn.Sequential(
            nn.Conv1d(in_channels, d_model, 7, stride=first, padding=3, bias=False),
            nn.BatchNorm1d(d_model),
            nn.GELU(),
            nn.Conv1d(d_model, d_model, 5, stride=stem_stride // first, padding=2, bias=False),
            nn.BatchNorm1d(d_model),
            nn.GELU(),
        )
        self.register_buffer("position", sinusoidal_encoding(max_tokens, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model, heads, ff, dropout=dropout, batch_first=True, activation="gelu", norm_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.out_features = d_model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tokens = self.stem(x).transpose(1, 2)
        tokens = tokens + self.position[: tokens.shape[1]]
        return self.norm(self.encoder(tokens)).mean(dim=1)
