"""A chain of FFmpeg video filters for frames pushed one at a time (buffer -> steps -> sink).

Filter names and arguments are constants chosen by our code, never text from a request or a
file (docs/security.md, encoder option injection).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import av
import av.filter

Step = tuple[str, str | dict[str, str]]  # filter name, and its arguments as text or options


def build_chain(
    width: int, height: int, pix_fmt: str, time_base: Fraction | None, steps: Sequence[Step]
) -> tuple[av.filter.Graph, av.filter.context.FilterContext]:
    """A configured graph and its source; push frames into the source, pull from the graph."""
    graph = av.filter.Graph()
    source = graph.add_buffer(
        width=width, height=height, format=pix_fmt, time_base=time_base or Fraction(1, 90_000)
    )
    node = source
    for name, arguments in steps:
        if isinstance(arguments, dict):
            step = graph.add(name, **arguments)
        else:
            step = graph.add(name, arguments) if arguments else graph.add(name)
        node.link_to(step)
        node = step
    node.link_to(graph.add("buffersink"))
    graph.configure()
    return graph, source
