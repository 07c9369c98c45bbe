import itertools

from odoo import api, models
from odoo.tools import SQL

from ..tools.set_based import insert_rows

IMAGE_SIZES = ("image_1024", "image_512", "image_256", "image_128")
LOG_FIELDS = ("id", "create_uid", "create_date", "write_uid", "write_date", "parent_path")


class ResPartnerSetBased(models.Model):
    """Set-based creation of customers, for writers of thousands at once (the
    FOCUS first load)."""

    _inherit = "res.partner"

    @api.model
    def _create_set_based(self, vals_list):
        """Create partners as :meth:`create` does, in one ``INSERT … SELECT
        FROM unnest``, for the case a bulk writer has: contacts without parent
        company, created quietly (``tracking_disable`` in the context: no
        follower, no chatter message, as ``mail.thread`` does then). Anything
        else (a parent, a website to clean, an import, a field that is not a
        column) goes through ``create``.

        Does what ``create`` does beyond the rows, for the whole batch: access
        rights and record rules (the shop rule of ``res.partner`` included),
        one ``default_get`` for the batch instead of one per partner, values
        converted as the ORM converts them, the commercial partner (the
        partner itself, without parent) in the INSERT, the other stored
        computed fields (complete name, sanitized phone, normalized e-mail,
        salesperson, partner share, shop…) computed by the ORM for the batch,
        the caches of inverse fields, the constraints. The image sizes of a
        partner without image are empty and are not computed. Held to
        ``create`` field by field by ``tests/test_partner_set_based.py``: a
        module that overrides ``create`` of ``res.partner`` extends this
        method too (the test checks it)."""
        if not vals_list:
            return self.browse()
        if not self._set_based_supported(vals_list):
            return self.create(vals_list)
        self = self.browse()
        self.check_access("create")
        defaults = self._set_based_partner_defaults(vals_list)
        self.env.cr.execute(SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", self._table,
            len(vals_list)))
        ids = [row[0] for row in self.env.cr.fetchall()]
        rows = []
        for partner_id, vals in zip(ids, vals_list, strict=True):
            vals = dict(defaults, **vals, id=partner_id)
            # Without parent, a partner is its own commercial partner (_compute_commercial_partner).
            vals["commercial_partner_id"] = partner_id
            rows.append(vals)
        partners = self.browse(ids)
        columns = partners._set_based_precomputed(rows)
        insert_rows(self, ids, rows)
        partners._set_based_partners_created(columns)
        return partners

    @api.model
    def _set_based_supported(self, vals_list):
        """Whether :meth:`_create_set_based` can create ``vals_list`` as
        ``create`` would (else ``create`` does it)."""
        if not self.env.context.get("tracking_disable") or self.env.context.get("import_file"):
            return False
        for vals in vals_list:
            if vals.get("parent_id") or vals.get("website"):
                return False
            for name in vals:
                field = self._fields.get(name)
                if not field or not field.column_type or name in ("id", "commercial_partner_id"):
                    return False
        return True

    @api.model
    def _set_based_partner_defaults(self, vals_list):
        """The defaults ``create`` adds (one ``default_get`` for the batch:
        they come from the context and the user, the same for every partner)."""
        missing = [name for name, field in self._fields.items()
                   if any(name not in vals for vals in vals_list)]
        return {name: value for name, value in self.default_get(missing).items()
                if self._fields[name].column_type}

    def _set_based_precomputed(self, rows):
        """Before the INSERT: these partners (ids reserved, no row yet) in the
        cache as ``create`` puts them, and the stored computed fields that no
        row gives computed there by their compute methods and added to
        ``rows``, so that the INSERT carries them (``create`` writes them by
        UPDATEs of the rows just inserted, at the next flush). The image sizes
        of no image are left out (see :meth:`_set_based_partners_created`).
        Returns the columns of the INSERT."""
        columns = sorted({name for row in rows for name in row} - {"id"})
        computed = [field for name, field in self._fields.items()
                    if field.store and field.compute and field.column_type and name not in columns
                    and name not in IMAGE_SIZES]
        # Nothing of these fields pending for other records: what is dirty below is these partners'.
        self.flush_model([field.name for field in computed])
        self._set_based_partners_cached(columns, rows)
        cache = self.env.cache
        with self.env.protecting([self._fields[name] for name in columns], self):
            for field in computed:
                # What a new row holds before it is computed (a compute may read it).
                cache.update(self, field, itertools.repeat(field.convert_to_cache(None, self[:1])))
                self.env.add_to_compute(field, self)
            for field in computed:
                values = [field.convert_to_write(partner[field.name], partner) for partner in self]
                for row, value in zip(rows, values, strict=True):
                    row[field.name] = value
        for field in computed:
            # Computed as for rows already there (dirty): the INSERT writes them instead.
            others = set(cache.clear_dirty_field(field)).difference(self._ids)
            for record in self.browse(others):
                cache.set(record, field, cache.get(record, field), dirty=True)
        return sorted(columns + [field.name for field in computed])

    def _set_based_partners_created(self, columns):
        """What :meth:`_create_set_based` does once the rows are inserted
        (they are in the cache already: :meth:`_set_based_precomputed`)."""
        with self.env.protecting([self._fields[name] for name in columns], self):
            self.modified(self._fields, create=True)
            for field in self._fields.values():
                if field.store and field.compute and field.name not in columns:
                    self.env.add_to_compute(field, self)
            if "image_1920" not in columns:
                for name in IMAGE_SIZES:
                    # The sizes of no image: empty (in the cache above), nothing to compute.
                    self.env.remove_to_compute(self._fields[name], self)
        self._validate_fields(columns)
        self.check_access("create")

    def _set_based_partners_cached(self, columns, rows):
        """The new partners in the cache as ``create`` puts them, and the
        inverse fields of what they point to updated."""
        cache = self.env.cache
        for name in columns:
            field = self._fields[name]
            cache.update(self, field, [field.convert_to_cache(row.get(name), partner)
                                       for partner, row in zip(self, rows, strict=True)])
            if field.type == "many2one" and self.pool.field_inverses[field]:
                for value, partners in self.grouped(lambda p, f=field: cache.get(p, f)).items():
                    field._update_inverses(partners, value)
        given = set(columns).union(LOG_FIELDS)
        for field in self._fields.values():
            # What a new record holds (no child, no image attachment…): what is computed
            # from it reads nothing, and writes nothing where it stays empty.
            if field.type in ("one2many", "many2many"):
                cache.update(self, field, itertools.repeat(()))
            elif (field.related and not field.column_type) or (
                    field.store and field.name not in given and not field.compute):
                cache.update(self, field, itertools.repeat(field.convert_to_cache(None, self[:1])))
