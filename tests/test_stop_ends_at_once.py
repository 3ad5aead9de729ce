"""Stop, as the chat handlers use it (turn.until_set): a turn waiting for a slow server ends
at once and quietly, and what it was waiting in is closed. No server: a generator that
waits stands for one."""

import asyncio

from playground_ui.turn import until_set


def test_stop_while_the_server_is_silent_ends_the_turn_quietly_and_closes_it():
    seen: list[str] = []

    async def slow_turn():
        try:
            yield "first words"
            await asyncio.Event().wait()  # the server says nothing more, ever
            yield "never"
        except asyncio.CancelledError:
            seen.append("cancelled where it waited")
            raise
        finally:
            seen.append("closed")

    async def press_stop_after_the_first_update():
        stop = asyncio.Event()
        shown = []
        async for update in until_set(stop, slow_turn()):
            shown.append(update)
            asyncio.get_running_loop().call_soon(stop.set)  # Stop pressed while the turn waits
        return shown

    shown = asyncio.run(asyncio.wait_for(press_stop_after_the_first_update(), 5))
    assert shown == ["first words"]
    assert seen == ["cancelled where it waited", "closed"]


def test_a_turn_that_ends_by_itself_gives_every_update_then_stops():
    async def quick_turn():
        for word in ("Paris", "is", "lovely"):
            yield word

    async def collect():
        return [update async for update in until_set(asyncio.Event(), quick_turn())]

    assert asyncio.run(collect()) == ["Paris", "is", "lovely"]
