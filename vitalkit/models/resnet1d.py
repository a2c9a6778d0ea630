"""A 1-D residual network for single-beat windows.

Examples
--------
>>> import torch
>>> from vitalkit.models.resnet1d import ResNet1d
>>> net = ResNet1d(in_channels=1, channels=[16, 32], blocks_per_stage=1)
>>> net(torch.zeros(4, 1, 252)).shape
torch.Size([4, 32])
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from vitalkit.models.registry import register_backbone


class ResidualBlock1d(nn.Module):
    """Two convolutions with batch norm and a projected shortcut when shapes change."""

    def __init__(self, in_ch: int, out_ch: int, kernel_size: int, stride: int, dropout: float) -> None:
        super().__init__()
        pad = kernel_size // 2
        self.body = nn.Sequential(
            nn.Conv1d(in_ch, out_ch, kernel_size, stride=stride, padding=pad, bias=False),
            nn.BatchNorm1d(out_ch),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Conv1d(out_ch, out_ch, kernel_size, padding=pad, bias=False),
            nn.BatchNorm1d(out_ch),
        )
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(
                nn.Conv1d(in_ch, out_ch, 1, stride=stride, bias=False), nn.BatchNorm1d(out_ch)
            )
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


@register_backbone("resnet1d")
class ResNet1d(nn.Module):
    """1-D ResNet: a wide stem, residual stages (stride 2 after the first), global pooling.

    Parameters
    ----------
    in_channels : int
        Input leads.
    channels : sequence of int
        Width of each stage.
    blocks_per_stage : int
        Residual blocks per stage.
    kernel_size : int
        Kernel of the residual convolutions (odd).
    stem_kernel : int
        Kernel of the first convolution.
    dropout : float
        Dropout inside the blocks.
    """

    def __init__(
        self,
        in_channels: int = 1,
        channels: Sequence[int] = (32, 64, 128),
        blocks_per_stage: int = 2,
        kernel_size: int = 7,
        stem_kernel: int = 15,
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv1d(in_channels, channels[0], stem_kernel, padding=stem_kernel // 2, bias=False),
            nn.BatchNorm1d(channels[0]),
            nn.ReLU(inplace=True),
        )
        blocks: list[nn.Module] = []
        width = channels[0]
        for stage, out_ch in enumerate(channels):
            for b in range(blocks_per_stage):
                stride = 2 if (stage > 0 and b == 0) else 1
                blocks.append(ResidualBlock1d(width, out_ch, kernel_size, stride, dropout))
                width = out_ch
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.out_features = width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.blocks(self.stem(x))).flatten(1)
