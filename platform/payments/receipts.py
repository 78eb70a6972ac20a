"""The buyer's receipt, written to the mail outbox in the fulfilment's own transaction."""

from __future__ import annotations

from neutralpoint.credits.vocabulary import registry_name
from neutralpoint.payments.schemas import OrderView, PieceFacts
from neutralpoint.settings import Settings
from neutralpoint.tenants.models import OutboxMessage, Tenant
from neutralpoint.web.formatting import format_grams, format_money


def order_url(settings: Settings, slug: str, reference: str) -> str:
    return f"{settings.base_url}/v/{slug}/orders/{reference}"


def _mass(grams: int, lang: str) -> str:
    """``117.1 kg (117,092 g)``: readable, and exact as the serial pieces are."""
    shown = format_grams(grams, lang)
    return shown if grams < 1000 else f"{shown} ({grams:,} g)"


def _piece_en(piece: PieceFacts) -> str:
    return (
        f"  {piece.serial}  vintage {piece.vintage_year}, grams {piece.gram_from + 1:,}–{piece.gram_to:,} "
        f"of this tonne ({piece.grams:,} g)"
    )


def _piece_zh(piece: PieceFacts) -> str:
    return (
        f"  {piece.serial}  {piece.vintage_year} 年度，该吨第 {piece.gram_from + 1:,}–{piece.gram_to:,} 克"
        f"（{piece.grams:,} 克）"
    )


def receipt_message(
    settings: Settings, order: OrderView, venue_slug: str = "", venue: Tenant | None = None
) -> OutboxMessage:
    """Both languages, the buyer's first (as every message of the platform): the order's
    reference, where (``venue``: its name in each language, the other's when it gave one),
    what it neutralized with which project, what it cost, its serial pieces, its
    certificate's page and, with the venue (or ``venue_slug``), the order page's address."""
    venue_slug = venue_slug or (venue.slug if venue else "")
    at_en = f" at {venue.display_name_in('en')}" if venue else ""
    at_zh = f"在{venue.display_name_in('zh-Hans')}" if venue else ""
    name_en = order.project.name.get("en") or next(iter(order.project.name.values()), "")
    name_zh = order.project.name.get("zh-Hans") or name_en
    test = order.test_mode
    link = order_url(settings, venue_slug, order.reference) if venue_slug else ""
    certificate = f"{settings.base_url}/certificates/{order.certificate_number}" if order.certificate_number else ""
    pieces_en = "\n".join(_piece_en(p) for p in order.pieces)
    pieces_zh = "\n".join(_piece_zh(p) for p in order.pieces)
    en = (
        ("TEST MODE: no money was taken.\n\n" if test else "")
        + f"Thank you{', ' + order.buyer_name if order.buyer_name else ''}.\n\n"
        f"Order {order.reference}{at_en}: {_mass(order.grams, 'en')} CO2e neutralized with {name_en} "
        f"({registry_name(order.project.registry_code, 'en')}), "
        f"paid {format_money(order.amount_minor, order.currency, 'en')}.\n\n"
        f"Your serial-numbered credits:\n{pieces_en}\n"
        + (f"\nYour order: {link}\n" if link else "")
        + (f"Your certificate, to download and share: {certificate}\n" if certificate else "")
    )
    zh = (
        ("测试模式：未实际收款。\n\n" if test else "")
        + f"谢谢{('，' + order.buyer_name) if order.buyer_name else ''}！\n\n"
        f"订单 {order.reference}：{at_zh}已通过「{name_zh}」（{registry_name(order.project.registry_code, 'zh-Hans')}）"
        f"中和 {_mass(order.grams, 'zh-Hans')} 二氧化碳当量，"
        f"支付 {format_money(order.amount_minor, order.currency, 'zh-Hans')}。\n\n"
        f"您的碳信用序列号：\n{pieces_zh}\n"
        + (f"\n您的订单：{link}\n" if link else "")
        + (f"您的证书（可下载、分享）：{certificate}\n" if certificate else "")
    )
    first, second = (zh, en) if order.language == "zh-Hans" else (en, zh)
    subject = (
        f"NeutralPoint 订单 {order.reference} 收据 / Receipt"
        if order.language == "zh-Hans"
        else f"NeutralPoint receipt for order {order.reference} / 收据"
    )
    if test:
        subject = "[TEST] " + subject
    return OutboxMessage(
        recipient=order.buyer_email, subject=subject, body_text=f"{first}\n——\n\n{second}", kind="receipt"
    )
