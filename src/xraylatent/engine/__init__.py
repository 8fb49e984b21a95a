"""The training engine (torch only): stacked networks, their hand-written backward pass, Adam per member,
the batched trainer, multi-start minimisation, and the training settings."""
