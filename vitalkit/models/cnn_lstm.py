"""Convolutional front end followed by a bidirectional LSTM.

Examples
--------
>>> import torch
>>> net = CnnLstm(in_channels=1, conv_channels=[8, 16], hidden=8)
>>> net(torch.zeros(2, 1, 252)).shape
torch.Size([2, 32])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vitalkit.models.registry import register_backbone


@register_backbone("cnn_lstm")
class CnnLstm(nn.Module):
    """Conv blocks (conv, batch norm, ReLU, max-pool) shorten the beat into a sequence of local
    shape descriptors; a bidirectional LSTM reads it; mean and max pooling over time summarize.

    Parameters
    ----------
    in_channels : int
        Input channels.
    conv_channels : sequence of int
        Width of each conv block (each halves the length with ``pool``).
    kernel_size : int
        Convolution kernel.
    pool : int
        Max-pool factor per block.
    hidden : int
        LSTM hidden size per direction.
    layers : int
        Stacked LSTM layers.
    dropout : float
        Dropout after the conv front end (and between LSTM layers).
    """

    def __init__(
        self,
        in_channels: int = 1,
        conv_channels: Sequence[int] = (16, 32),
        kernel_size: int = 7,
        pool: int = 2,
        hidden: int = 32,
        layers: int = 1,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        width = in_channels
        for out_ch in conv_channels:
            blocks += [
                nn.Conv1d(width, out_ch, kernel_size, padding=kernel_size // 2, bias=False),
                nn.BatchNorm1d(out_ch),
                nn.ReLU(inplace=True),
                nn.MaxPool1d(pool),
            ]
            width = out_ch
        blocks.append(nn.Dropout(dropout))
        self.front = nn.Sequential(*blocks)
        self.lstm = nn.LSTM(
            width,
            hidden,
            num_layers=layers,
            batch_first=True,
            bidirectional=True,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.out_features = 4 * hidden

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sequence, _ = self.lstm(self.front(x).transpose(1, 2))
        return torch.cat([sequence.mean(dim=1), sequence.amax(dim=1)], dim=1)
