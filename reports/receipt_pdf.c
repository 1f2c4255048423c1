/*
 * The certificate as an A4 PDF (寄附金受領証明書 / 受領書): drawn with cairo
 * and pango from what the receipt proves (kf_receipt_summary), in IPAex
 * Mincho and Gothic (embedded as subsets by cairo), with a QR code
 * (libqrencode) holding the verification page's URL and the compact
 * receipt, and the compact text receipt in the PDF's Keywords so that
 * kifu verify-receipt reads the PDF itself (docs/FORMAT.md "Receipts").
 *
 * Every string printed comes from the summary, which kf_receipt_verify
 * built from the signed entries: the page shows nothing the proof does not
 * cover, besides fixed wording.
 */
#include "receipt_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>
#include <qrencode.h>

#define MM (72.0 / 25.4)
#define PAGE_W (210 * MM)
#define PAGE_H (297 * MM)
#define MARGIN (20 * MM)
#define SERIF "IPAexMincho"
#define SANS "IPAexGothic"

typedef struct {
    cairo_t *cr;
    PangoLayout *layout;
} page;

static cairo_status_t to_buf(void *closure, const unsigned char *data, unsigned int len)
{
    return kf_buf_put(closure, data, len) ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws text at (x, y) (its top left), width w (0: no wrapping) and
 * alignment; returns its height. */
static double text_at(page *p, double x, double y, double w, const char *font, double size,
                      PangoAlignment align, const char *text)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(p->layout, w > 0 ? (int)(w * PANGO_SCALE) : -1);
    pango_layout_set_wrap(p->layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(p->layout, align);
    pango_layout_set_text(p->layout, text, -1);
    int tw, th;
    pango_layout_get_size(p->layout, &tw, &th);
    double dx = 0;
    /* without a width, alignment is by hand: x is the right edge or centre */
    if (w <= 0 && align == PANGO_ALIGN_RIGHT) dx = -(double)tw / PANGO_SCALE;
    if (w <= 0 && align == PANGO_ALIGN_CENTER) dx = -(double)tw / PANGO_SCALE / 2;
    cairo_move_to(p->cr, x + dx, y);
    pango_cairo_show_layout(p->cr, p->layout);
    return (double)th / PANGO_SCALE;
}

static double text_width(page *p, const char *font, double size, const char *text)
{
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    pango_layout_set_font_description(p->layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(p->layout, -1);
    pango_layout_set_text(p->layout, text, -1);
    int tw, th;
    pango_layout_get_size(p->layout, &tw, &th);
    return (double)tw / PANGO_SCALE;
}

static void line(page *p, double x0, double y0, double x1, double y1, double width)
{
    cairo_set_line_width(p->cr, width);
    cairo_move_to(p->cr, x0, y0);
    cairo_line_to(p->cr, x1, y1);
    cairo_stroke(p->cr);
}

/* The QR code of data, its side `side` points, top left at (x, y). Level M
 * when the data fits, else L. */
static kf_code draw_qr(page *p, const char *data, double x, double y, double side, kf_err *err)
{
    QRcode *qr = QRcode_encodeData((int)strlen(data), (const unsigned char *)data, 0, QR_ECLEVEL_M);
    if (!qr)
        qr = QRcode_encodeData((int)strlen(data), (const unsigned char *)data, 0, QR_ECLEVEL_L);
    if (!qr) return kf_fail(err, KF_SYSTEM, "the receipt does not fit in a QR code");
    int quiet = 4, n = qr->width + 2 * quiet;
    double m = side / n;
    cairo_save(p->cr);
    cairo_set_source_rgb(p->cr, 1, 1, 1);
    cairo_rectangle(p->cr, x, y, side, side);
    cairo_fill(p->cr);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    for (int r = 0; r < qr->width; r++)
        for (int c = 0; c < qr->width; c++)
            if (qr->data[r * qr->width + c] & 1)
                cairo_rectangle(p->cr, x + (c + quiet) * m, y + (r + quiet) * m, m, m);
    cairo_fill(p->cr);
    cairo_restore(p->cr);
    QRcode_free(qr);
    return KF_OK;
}

/* A row of the table: label cell and value cell; returns the row height. */
static double row(page *p, double y, double label_w, double w, const char *label, const char *value,
                  double size)
{
    double pad = 2.5 * MM;
    /* measure first: the label cell is shaded under its text */
    cairo_push_group(p->cr);
    double h = text_at(p, MARGIN + label_w + pad, y + pad, w - label_w - 2 * pad, SERIF, size,
                       PANGO_ALIGN_LEFT, value);
    cairo_pattern_t *value_text = cairo_pop_group(p->cr);
    double lh = text_width(p, SANS, 10, label) > 0 ? 10 * 1.4 : 0;
    if (lh > h) h = lh;
    h += 2 * pad;
    cairo_save(p->cr);
    cairo_set_source_rgb(p->cr, 0.93, 0.93, 0.93);
    cairo_rectangle(p->cr, MARGIN, y, label_w, h);
    cairo_fill(p->cr);
    cairo_restore(p->cr);
    cairo_set_source(p->cr, value_text);
    cairo_paint(p->cr);
    cairo_pattern_destroy(value_text);
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    text_at(p, MARGIN, y + (h - 10 * 1.4) / 2, label_w, SANS, 10, PANGO_ALIGN_CENTER, label);
    line(p, MARGIN, y + h, MARGIN + w, y + h, 0.5);
    line(p, MARGIN + label_w, y, MARGIN + label_w, y + h, 0.5);
    return h;
}

static kf_code draw_page(page *p, const kf_receipt *r, kf_err *err)
{
    const kf_receipt_summary *s = r->sum;
    char buf[2048], w[64];
    double W = PAGE_W - 2 * MARGIN, y = MARGIN;
    cairo_set_source_rgb(p->cr, 0, 0, 0);
    /* number and issue date, top right */
    snprintf(buf, sizeof buf, "第 %s 号", s->number);
    text_at(p, PAGE_W - MARGIN, y, 0, SERIF, 11, PANGO_ALIGN_RIGHT, buf);
    rc_wareki(s->date, w, sizeof w);
    snprintf(buf, sizeof buf, "発行日　%s", w);
    text_at(p, PAGE_W - MARGIN, y + 16, 0, SERIF, 11, PANGO_ALIGN_RIGHT, buf);
    if (*s->reissue_of) {
        /* a red 再発行 stamp at the top left, and what it replaces */
        cairo_save(p->cr);
        cairo_set_source_rgb(p->cr, 0.75, 0.05, 0.05);
        cairo_set_line_width(p->cr, 1.5);
        cairo_rectangle(p->cr, MARGIN, y - 2, 30 * MM, 11 * MM);
        cairo_stroke(p->cr);
        text_at(p, MARGIN + 15 * MM, y + 2.2 * MM, 0, SANS, 16, PANGO_ALIGN_CENTER, "再発行");
        cairo_restore(p->cr);
        snprintf(buf, sizeof buf, "第 %s 号に代わるもの", s->reissue_of);
        text_at(p, MARGIN, y + 12 * MM, 0, SERIF, 9, PANGO_ALIGN_LEFT, buf);
    }
    y += 22 * MM;
    /* the title, spaced out */
    char spaced[256] = "";
    size_t k = 0;
    for (const char *t = s->title; *t;) {
        size_t len = 1;
        while ((t[len] & 0xC0) == 0x80)
            len++;
        if (k + len + 2 >= sizeof spaced) break;
        if (k) spaced[k++] = ' ';
        memcpy(spaced + k, t, len);
        k += len;
        spaced[k] = '\0';
        t += len;
    }
    y += text_at(p, PAGE_W / 2, y, 0, SERIF, 26, PANGO_ALIGN_CENTER, spaced);
    y += 12 * MM;
    /* the donor: 住所 and 氏名, underlined, 様 (御中 for a company) */
    double col = 16 * MM, dw = W * 0.68;
    text_at(p, MARGIN, y + 1, 0, SANS, 9.5, PANGO_ALIGN_LEFT, "住　所");
    double ah = text_at(p, MARGIN + col, y, dw - col, SERIF, 11, PANGO_ALIGN_LEFT,
                        *s->donor_address ? s->donor_address : "（記載なし）");
    y += ah + 1.5 * MM;
    line(p, MARGIN, y, MARGIN + dw, y, 0.5);
    y += 5 * MM;
    text_at(p, MARGIN, y + 5, 0, SANS, 9.5, PANGO_ALIGN_LEFT, s->company ? "名　称" : "氏　名");
    double nh =
        text_at(p, MARGIN + col, y, dw - col - 14 * MM, SERIF, 17, PANGO_ALIGN_LEFT, s->donor_name);
    text_at(p, MARGIN + dw - 2 * MM, y + 4, 0, SERIF, 13, PANGO_ALIGN_RIGHT,
            s->company ? "御中" : "様");
    y += nh + 1.5 * MM;
    line(p, MARGIN, y, MARGIN + dw, y, 0.8);
    y += 10 * MM;
    /* the amount, in a double box */
    char yen[64];
    rc_yen(s->amount, yen, sizeof yen);
    double bx = MARGIN + W * 0.15, bw = W * 0.7, bh = 18 * MM;
    cairo_set_line_width(p->cr, 1.2);
    cairo_rectangle(p->cr, bx, y, bw, bh);
    cairo_stroke(p->cr);
    cairo_set_line_width(p->cr, 0.5);
    cairo_rectangle(p->cr, bx + 1.2 * MM, y + 1.2 * MM, bw - 2.4 * MM, bh - 2.4 * MM);
    cairo_stroke(p->cr);
    text_at(p, PAGE_W / 2, y + 4.2 * MM, 0, SERIF, 24, PANGO_ALIGN_CENTER, yen);
    y += bh + 8 * MM;
    /* the table: date(s), purpose */
    double label_w = 32 * MM, top = y;
    line(p, MARGIN, y, MARGIN + W, y, 0.5);
    if (s->year) {
        kf_buf list = {0};
        char first[11], last[11], wf[64], wl[64];
        kf_format_date(first, s->year, 1, 1);
        kf_format_date(last, s->year, 12, 31);
        rc_wareki(first, wf, sizeof wf);
        rc_wareki(last, wl, sizeof wl);
        snprintf(buf, sizeof buf, "%sから%sまでの寄附　計 %zu 件\n", wf, wl, s->ngifts);
        kf_buf_puts(&list, buf);
        for (size_t i = 0; i < s->ngifts; i++) {
            char gw[64], gy[64];
            rc_wareki(s->gifts[i].date, gw, sizeof gw);
            rc_yen(s->gifts[i].amount, gy, sizeof gy);
            /* more than 8 gifts run on in one paragraph, so the page holds them */
            kf_buf_printf(&list, "%s%s　%s", !i ? "" : s->ngifts > 8 ? "／" : "\n", gw, gy);
        }
        y += row(p, y, label_w, W, "寄附日・金額", list.data ? list.data : "",
                 s->ngifts > 12 ? 8.5 : 10.5);
        kf_buf_free(&list);
    } else {
        rc_wareki(s->gifts[0].date, w, sizeof w);
        y += row(p, y, label_w, W, "寄附年月日", w, 11);
    }
    y += row(p, y, label_w, W, "寄附の使途", s->designation, 11);
    snprintf(buf, sizeof buf, "%s（%s）", s->fund_name, s->title);
    y += row(p, y, label_w, W, "寄附先", s->fund_name, 11);
    cairo_set_line_width(p->cr, 0.5);
    cairo_rectangle(p->cr, MARGIN, top, W, y - top);
    cairo_stroke(p->cr);
    y += 8 * MM;
    y += text_at(p, MARGIN, y, W, SERIF, 12, PANGO_ALIGN_LEFT,
                 "上記の金額を寄附金として受領しました。");
    y += 4 * MM;
    y += text_at(p, MARGIN, y, W, SERIF, 9.5, PANGO_ALIGN_LEFT, s->tax_note);
    /* the issuer, right, the seal box (印) over the end of the title and name */
    double iy = y + 14 * MM, ix = MARGIN + W * 0.42, iw = W * 0.58;
    iy += text_at(p, ix, iy, iw, SERIF, 11, PANGO_ALIGN_LEFT, s->issuer_address) + 2.5 * MM;
    snprintf(buf, sizeof buf, "%s　%s", s->issuer_title, s->issuer_name);
    double name_y = iy, name_w = text_width(p, SERIF, 15, buf);
    iy += text_at(p, ix, iy, iw, SERIF, 15, PANGO_ALIGN_LEFT, buf) + 2.5 * MM;
    snprintf(buf, sizeof buf, "電話　%s", s->issuer_phone);
    text_at(p, ix, iy, iw, SERIF, 10.5, PANGO_ALIGN_LEFT, buf);
    double seal = 18 * MM, sx = ix + name_w + 2 * MM, sy = name_y + 4 - seal / 2;
    if (sx + seal > PAGE_W - MARGIN) sx = PAGE_W - MARGIN - seal;
    cairo_save(p->cr);
    cairo_set_source_rgb(p->cr, 0.75, 0.05, 0.05);
    cairo_set_line_width(p->cr, 0.8);
    cairo_rectangle(p->cr, sx, sy, seal, seal);
    cairo_stroke(p->cr);
    text_at(p, sx + seal / 2, sy + seal / 2 - 8, 0, SERIF, 14, PANGO_ALIGN_CENTER, "印");
    cairo_restore(p->cr);
    /* the QR code, bottom left, and how to check it */
    double qside = 48 * MM, qy = PAGE_H - MARGIN - qside - 6 * MM, tx = MARGIN + qside + 4 * MM;
    kf_code rc = draw_qr(p, r->qr.data, MARGIN, qy, qside, err);
    if (rc) return rc;
    double ty = qy + 4 * MM;
    ty += text_at(p, tx, ty, PAGE_W - MARGIN - tx, SANS, 9, PANGO_ALIGN_LEFT,
                  "【この証明書の検証】") +
          1.5 * MM;
    ty += text_at(p, tx, ty, PAGE_W - MARGIN - tx, SANS, 8.5, PANGO_ALIGN_LEFT,
                  "左のQRコードをスマートフォン等で読み取ると、検証ページがこの証明書の記載事項"
                  "（番号・寄附者・金額・寄附日・使途・発行者）を基金の署名と照合して表示します。"
                  "証明書のデータはURLの「#」以降にあり、サーバーへは送られません。") +
          1.5 * MM;
    ty += text_at(p, tx, ty, PAGE_W - MARGIN - tx, SANS, 8.5, PANGO_ALIGN_LEFT, s->url) + 1.5 * MM;
    snprintf(
        buf, sizeof buf,
        "台帳 %s の第 %lld 項（木の大きさ %lld、署名 %s）。kifu verify-receipt でも検証できます。",
        s->origin, (long long)s->seq, (long long)s->size, s->signer);
    cairo_set_source_rgb(p->cr, 0.35, 0.35, 0.35);
    text_at(p, tx, ty, PAGE_W - MARGIN - tx, SANS, 7.5, PANGO_ALIGN_LEFT, buf);
    return KF_OK;
}

kf_code kf_receipt_pdf(const kf_receipt *r, kf_buf *out, kf_err *err)
{
    kf_buf keywords = {0};
    size_t start = out->len;
    kf_code rc = KF_OK;
    if (!kf_buf_puts(&keywords, KF_RECEIPT_PDF_MARK) ||
        !kf_buf_put(&keywords, r->embedded.data, r->embedded.len)) {
        kf_buf_free(&keywords);
        return kf_fail(err, KF_SYSTEM, "out of memory");
    }
    cairo_surface_t *surface = cairo_pdf_surface_create_for_stream(to_buf, out, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, r->sum->title);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_SUBJECT, r->sum->number);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "kifu");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_KEYWORDS, keywords.data);
    /* A font map of its own, freed at the end. fontconfig and cairo keep
     * caches for the life of the process (tests/lsan.supp). */
    PangoFontMap *fonts = pango_cairo_font_map_new();
    PangoContext *ctx = pango_font_map_create_context(fonts);
    page p = {.cr = cairo_create(surface)};
    pango_cairo_update_context(p.cr, ctx);
    p.layout = pango_layout_new(ctx);
    rc = draw_page(&p, r, err);
    g_object_unref(p.layout);
    g_object_unref(ctx);
    cairo_show_page(p.cr);
    cairo_destroy(p.cr);
    cairo_surface_finish(surface);
    if (rc) {
        out->len = start;
    } else if (kf_buf_check(out, err)) { /* a write cairo's stream could not make */
        out->len = start;
        rc = KF_SYSTEM;
    } else if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
        out->len = start;
        rc = kf_fail(err, KF_SYSTEM, "cannot draw the certificate: %s",
                     cairo_status_to_string(cairo_surface_status(surface)));
    }
    cairo_surface_destroy(surface);
    g_object_unref(fonts);
    kf_buf_free(&keywords);
    return rc;
}
