/* The COCO export format for boxes projects: one JSON document
 *
 *   {"info": {...}, "categories": [...], "images": [...], "annotations": [...]}
 *
 * streamed in two passes over the items (images, then annotations), so
 * memory does not grow with the dataset. categories are the project's
 * labels in schema order with ids 1, 2, ...; an image is a done item, id
 * its task id, coco_url its data[field], file_name the URL's last path
 * segment (without query or fragment), plus labelq_id (the item's id) and
 * batch; width and height are not known to labelq and left out. An
 * annotation is one consensus box: ids 1, 2, ... in export order, bbox
 * [x, y, w, h], area w * h, iscrowd 0, score the item's confidence. */
#include "daemon/export/format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/error.h"
#include "schema/typed_value.h"

/* Appends v (a new reference, dropped here) exactly. */
static int put(lq_outbuf *o, json_t *v)
{
    int rc = v ? lq_outbuf_json(o, v, true) : LQ_ENOMEM;
    json_decref(v);
    return rc;
}

static int coco_begin(lq_outbuf *o, const Labelq__ProjectConfig *cfg, uint64_t *state)
{
    *state = 0;
    json_t *cats = json_array();
    for (size_t k = 0; cats && k < cfg->n_labels; k++)
        json_array_append_new(cats, json_pack("{s:I, s:s, s:s}", "id", (json_int_t)k + 1, "name",
                                              cfg->labels[k], "supercategory", ""));
    int rc = lq_outbuf_str(o, "{\"info\":");
    rc = rc ? rc
            : put(o, json_pack("{s:s, s:s}", "description", "labelq export", "project", cfg->name));
    rc = rc ? rc : lq_outbuf_str(o, ",\"categories\":");
    rc = rc ? rc : put(o, json_incref(cats));
    json_decref(cats);
    return rc ? rc : lq_outbuf_str(o, ",\"images\":[");
}

/* The last path segment of url, without query or fragment. */
static json_t *file_name(const char *url)
{
    size_t end = strcspn(url, "?#");
    size_t start = end;
    while (start > 0 && url[start - 1] != '/')
        start--;
    if (start == end)
        return json_stringn(url, strlen(url));
    return json_stringn(url + start, end - start);
}

static int coco_image(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    json_t *f = json_is_object(it->data) ? json_object_get(it->data, it->config->field) : NULL;
    const char *url = json_is_string(f) ? json_string_value(f) : "";
    json_t *img =
        json_pack("{s:I, s:o, s:s, s:s, s:s?}", "id", (json_int_t)it->task_id, "file_name",
                  file_name(url), "coco_url", url, "labelq_id", it->id, "batch", it->batch);
    int rc = lq_outbuf_str(o, (*state)++ ? "," : "");
    return rc ? rc : put(o, img);
}

static int coco_middle(lq_outbuf *o, uint64_t *state)
{
    *state = 0;
    return lq_outbuf_str(o, "],\"annotations\":[");
}

static int coco_annotations(lq_outbuf *o, const lq_export_item *it, uint64_t *state)
{
    char err[256];
    lq_box *boxes = NULL;
    size_t n = 0;
    int rc = it->label ? lq_value_boxes(it->config, it->label, &boxes, &n, err, sizeof(err)) : 0;
    if (rc < 0) /* a consensus that does not read has no boxes to write */
        return rc == LQ_ENOMEM ? rc : 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const lq_box *b = &boxes[i];
        json_t *a = json_pack("{s:I, s:I, s:i, s:[f, f, f, f], s:f, s:i, s:f}", "id",
                              (json_int_t)*state + 1, "image_id", (json_int_t)it->task_id,
                              "category_id", (int)b->label + 1, "bbox", b->x, b->y, b->w, b->h,
                              "area", b->w * b->h, "iscrowd", 0, "score", it->confidence);
        rc = lq_outbuf_str(o, (*state)++ ? "," : "");
        rc = rc ? rc : put(o, a);
    }
    free(boxes);
    return rc;
}

static int coco_end(lq_outbuf *o, uint64_t *state)
{
    (void)state;
    return lq_outbuf_str(o, "]}\n");
}

const lq_export_format lq_export_coco = {
    "coco", true, coco_begin, coco_image, coco_middle, coco_annotations, coco_end};
