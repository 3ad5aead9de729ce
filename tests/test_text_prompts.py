"""The text a conversation becomes on the text-generation route (Llama-2 chat's format, or the
contents in order), and what that route refuses."""

import pytest

import playground
from playground._prompt import build_prompt, normalize_messages

LLAMA2_CHAT = "meta-llama/Llama-2-7b-chat-hf"


def test_an_image_on_a_text_route_is_refused_before_sending_with_a_sentence_naming_the_route(fake):
    picture = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "What is this?"}, picture]}]
    with pytest.raises(playground.BadRequestError) as caught:
        playground.completion(model="meta-llama/Llama-2-7b-hf", messages=messages)  # a base model: text generation
    assert str(caught.value) == (
        "A message carries an image (or other media), which the text-generation route cannot take: only a chat route "
        "to a vision model can; pick a chat model that reads images, or send text only."
    )
    assert fake.seen("/hf-inference/") == []


@pytest.mark.parametrize(
    ("messages", "prompt"),
    [
        ([("system", "Be brief."), ("system", "Answer in French."), ("user", "Hi")],
         "[INST] <<SYS>>\nBe brief.\nAnswer in French.\n<</SYS>>\n\nHi [/INST]"),
        ([("assistant", "Ask me anything."), ("user", "Hi")],  # a conversation the assistant opened
         "[INST]  [/INST] Ask me anything. </s><s>[INST] Hi [/INST]"),
        # two replies in a row: both kept
        ([("user", "Hi"), ("assistant", "Hello!"), ("assistant", "Still there?"), ("user", "Yes")],
         "[INST] Hi [/INST] Hello! </s><s>[INST]  [/INST] Still there? </s><s>[INST] Yes [/INST]"),
    ],
)
def test_a_llama2_chat_conversation_keeps_every_system_line_and_every_reply(messages, prompt):
    normalized = normalize_messages([{"role": role, "content": content} for role, content in messages])
    assert build_prompt(normalized, LLAMA2_CHAT) == prompt


@pytest.mark.parametrize(
    ("model", "llama2"),
    [
        (LLAMA2_CHAT, True),
        ("TheBloke/Llama-2-13B-Chat-GPTQ", True),  # a Llama-2 chat model outside meta-llama
        ("meta-llama/Llama-2-7b-hf", False),  # the base model: no chat format
        ("THUDM/chatglm3-6b", False),  # a chat model, not a Llama
    ],
)
def test_only_llama2_chat_models_get_its_inst_format(model, llama2):
    prompt = build_prompt(normalize_messages([{"role": "user", "content": "Hi"}]), model)
    assert prompt == ("[INST] Hi [/INST]" if llama2 else "Hi")
