"""Documents the customer takes home (README, "Printed documents"): each module registers a kind
(:func:`register_document`: the model, its template, what it shows); printing renders it on A4
in Chinese (WeasyPrint, the CJK font, as the reports print) with the dealership's heading, a
document number, the date and a stamp area, and keeps each version (:class:`PrintedDocument`):
printing again unchanged gives the same file, a changed object prints as the next version while
the earlier ones stay retrievable."""

from dealership.documents.registry import DocumentKind, document_kinds, register_document

__all__ = ["DocumentKind", "document_kinds", "register_document"]
