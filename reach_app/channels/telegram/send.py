"""The wire format of one send: length limits, the raw request, the answer's message id.

Always a raw SendMessageRequest / SendMediaRequest with `random_id` from the
OutboundMessage (never client.send_message, which draws a new random_id per
call): the same message sent twice puts the same random_id on the wire.
"""

from __future__ import annotations

from typing import Any

from telethon.tl import functions, types

from reach_app.channels.base import Failed, OutboundMessage

TEXT_LIMIT = 4096
"""Maximum message length, in characters."""
CAPTION_LIMIT = 1024
"""Maximum media caption length, in characters."""
_PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


def sent_message_id(result: Any, random_id: int) -> int | None:
    """The new message's id from SendMessage/SendMedia's Updates result."""
    if isinstance(result, types.UpdateShortSentMessage):
        return int(result.id)
    updates = getattr(result, "updates", None) or []
    for update in updates:
        if isinstance(update, types.UpdateMessageID) and update.random_id == random_id:
            return int(update.id)
    for update in updates:
        if isinstance(update, (types.UpdateNewMessage, types.UpdateNewChannelMessage)):
            return int(update.message.id)
    return None


def media_for(url: str) -> Any:
    """Photo by URL for image files, else a document by URL (Telegram fetches it)."""
    path = url.split("?", 1)[0].lower()
    if path.endswith(_PHOTO_SUFFIXES):
        return types.InputMediaPhotoExternal(url=url)
    return types.InputMediaDocumentExternal(url=url)


def check_length(message: OutboundMessage) -> Failed | None:
    """A permanent Failed when the text (or caption, with media) is too long or empty."""
    limit, what = (CAPTION_LIMIT, "caption") if message.media_url else (TEXT_LIMIT, "text")
    if len(message.text) > limit:
        return Failed(reason=f"{what} too long: {len(message.text)} > {limit} characters")
    if not message.text.strip() and not message.media_url:
        return Failed(reason="empty text: nothing to send")
    return None


def send_request(message: OutboundMessage, peer: Any, *, link_preview: bool = True) -> Any:
    """The raw request for one message, carrying the message's stable random_id."""
    if message.media_url:
        return functions.messages.SendMediaRequest(
            peer=peer, media=media_for(message.media_url), message=message.text,
            random_id=message.random_id,
        )
    return functions.messages.SendMessageRequest(
        peer=peer, message=message.text, random_id=message.random_id,
        no_webpage=not link_preview,
    )
