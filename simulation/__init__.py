"""Agent-based model of the relocation of China's processing trade (加工贸易) under 商贸发〔2023〕308号."""

__version__ = "0.1.0"
