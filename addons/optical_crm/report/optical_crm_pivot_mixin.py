import contextvars

from odoo import api, models
from odoo.models import regex_order
from odoo.osv import expression
from odoo.tools import SQL

# Groups of a many2one whose model holds at most this many records are put in
# that model's order by their rank among its records (see _read_group_orderby).
RANKED_GROUPS_MAX = 5000
# The one pass pays when PostgreSQL expects its inner statement to sum up the
# rows at least this many to one.
SETS_MIN_SHRINK = 4
# A pivot asks (row levels + 1) × (column levels + 1) groupings: more are not
# a pivot's, they are asked one by one.
SETS_MAX = 64
# The groups of the pivot's groupings worked out together, which _read_group
# hands out while read_group_sets asks for them one by one.
_PREFETCHED = contextvars.ContextVar("optical_crm_pivot_prefetched", default=None)


class OpticalCrmPivotMixin(models.AbstractModel):
    """Pivot reads of a report over many rows (a SQL view), through Odoo's
    ``_read_group`` hooks, answering what ``read_group`` answers:

    * **Ranked groups.** Groups of a many2one come in their model's order
      (a cycle's priority, then its name) as Odoo orders them; Odoo joins
      that model to every row and groups by its order's columns too. Here
      the ranks of the model's records are read first in one small query
      (``_group_ranks``) and each group is put at its rank
      (``_read_group_orderby``). A model of more than RANKED_GROUPS_MAX
      records keeps Odoo's way.
    * **Groupings at once.** ``read_group_sets`` answers every grouping of a
      pivot (its total, rows, columns and cells) from one statement: the
      model's ``_pivot_one_pass`` sums the rows up per group of the finest
      grouping, and GROUPING SETS add those sums up for each grouping.
      ``read_group`` then serves each grouping from that answer
      (``_read_group`` hands it out). When one pass cannot answer or would
      not pay, ``read_group_sets`` answers None and the client asks the
      groupings one by one.

    A model using it sets ``_pivot_set_aggregates`` (the aggregates one pass
    can answer) and implements ``_pivot_one_pass``; it may override
    ``_pivot_aggregates`` and ``_read_group_settings``.
    """

    _name = "optical.crm.pivot.mixin"
    _description = "Pivot reads of many rows"

    # The ``_read_group`` aggregates ``_pivot_one_pass`` answers.
    _pivot_set_aggregates = frozenset()

    # ------------------------------------------------------------------
    # Hooks of the model using it
    # ------------------------------------------------------------------

    def _pivot_aggregates(self, fields):
        """The ``_read_group`` aggregates that ``read_group(fields)`` asks."""
        return [spec for spec in fields if spec != "__count"]

    def _pivot_one_pass(self, query, group_terms, aggregates):
        """``(statement, {aggregate: SQL})``: a statement on ``query`` (the
        domain's, its GROUP BY free to set) selecting each of ``group_terms``
        (the groupings' fields) as ``g0``, ``g1``, … and the columns that the
        SQL of each aggregate adds up over the groups of a grouping: a row of
        it per group of the finest grouping, or finer."""
        raise NotImplementedError()

    def _read_group_settings(self):
        """Settings of the transaction for the statements of a pivot."""

    # ------------------------------------------------------------------
    # Groupings at once
    # ------------------------------------------------------------------

    @api.model
    @api.readonly
    def read_group_sets(self, domain, fields, groupbys):
        """``[read_group(domain, fields, groupby, lazy=False) for groupby in
        groupbys]`` from one pass over the rows; None when the groupings
        cannot be served together (the client then asks them side by side)."""
        self.browse().check_access("read")
        if len(groupbys) > SETS_MAX:
            return None
        fields = [spec for spec in fields if spec != "__count"]
        specs = [tuple(self._read_group_get_annotated_groupby(groupby, lazy=False).values()) for groupby in groupbys]
        aggregates = ["__count", *(spec for spec in self._pivot_aggregates(fields) if spec != "__count")]
        prefetched = self._read_group_sets(domain, list(dict.fromkeys(specs)), aggregates) if specs else {}
        if prefetched is None:
            return None
        token = _PREFETCHED.set(prefetched)
        try:
            return [self.read_group(domain, fields, groupby, lazy=False) for groupby in groupbys]
        finally:
            _PREFETCHED.reset(token)

    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None):
        prefetched = _PREFETCHED.get()
        if prefetched is not None and not having and not offset and not limit and order == ",".join(groupby):
            groups = prefetched.get(tuple(groupby))
            if groups is not None and all(spec in groups["aggregates"] for spec in aggregates):
                return [(*values, *(figures[spec] for spec in aggregates)) for values, figures in groups["rows"]]
        self._read_group_settings()
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def _read_group_sets(self, domain, sets, aggregates):
        """``{groupby specs: {"aggregates": aggregates, "rows": [(group values,
        {aggregate: value})]}}`` for each tuple of groupby specs of ``sets``,
        as ``_read_group`` gives them, from one statement; None when one of
        them cannot be answered so."""
        terms = self._sets_terms(domain, sets, aggregates)
        if terms is None:
            return None
        terms, ranks = terms
        self._read_group_settings()
        query = self._search(domain)
        group_terms = [self._read_group_groupby(spec, query) for spec in terms]
        every_row = query.select(SQL("1"))
        columns = [SQL.identifier("g%s" % index) for index in range(len(terms))]
        inner, outer = self._pivot_one_pass(query, group_terms, aggregates)
        if not self._sums_up(inner, every_row):
            return None
        grouping_sets = SQL(", ").join(
            SQL("(%s)", SQL(", ").join(columns[terms.index(spec)] for spec in specs)) for specs in sets)
        # Each grouping's groups in _read_group's order: by its fields, a many2one's by its model's order.
        order = [SQL("grouping_id"), *(
            self._rank_order(column, self._fields[spec.split(":")[0]], ranks[spec]) if ranks.get(spec) else column
            for column, spec in zip(columns, terms, strict=True))]
        rows = self.env.execute_query(SQL(
            "SELECT %s AS grouping_id, %s FROM (%s) AS pivot_groups GROUP BY GROUPING SETS (%s) ORDER BY %s",
            SQL("GROUPING(%s)", SQL(", ").join(columns)) if columns else SQL("0"),
            SQL(", ").join([*columns, *(outer[spec] for spec in aggregates)]), inner, grouping_sets,
            SQL(", ").join(order)))
        return self._sets_groups(sets, terms, aggregates, rows)

    def _sets_groups(self, sets, terms, aggregates, rows):
        """The groups of each grouping of ``sets`` from the ``rows`` of the
        GROUPING SETS statement (grouping id, fields ``terms``, ``aggregates``),
        post-processed as ``_read_group`` does."""
        # GROUPING(): a bit per field, the first the highest, set when the grouping leaves the field out.
        grouping_ids = {specs: sum(1 << (len(terms) - 1 - index) for index, spec in enumerate(terms)
                                   if spec not in specs) for specs in sets}
        found_by_grouping = {}
        for row in rows:
            found_by_grouping.setdefault(row[0], []).append(row[1:])
        prefetched = {}
        for specs, grouping_id in grouping_ids.items():
            found = found_by_grouping.get(grouping_id, [])
            if not found and not specs:
                found = [tuple(self._read_group_empty_value(spec) for spec in [*terms, *aggregates])]
            values = [self._read_group_postprocess_groupby(spec, [row[terms.index(spec)] for row in found])
                      for spec in specs]
            figures = [self._read_group_postprocess_aggregate(spec, [row[len(terms) + index] for row in found])
                       for index, spec in enumerate(aggregates)]
            prefetched[specs] = {"aggregates": set(aggregates), "rows": [
                (group, dict(zip(aggregates, row_figures, strict=True)))
                for group, row_figures in zip(zip(*values, strict=True) if specs else [()] * len(found),
                                              zip(*figures, strict=True), strict=True)]}
        return prefetched

    def _sets_terms(self, domain, sets, aggregates):
        """The fields of the groupings ``sets``, each once, in the order they
        come, and the ranks of those that are a many2one ordered by its
        model's order (``{spec: ranks}``); None when one pass cannot answer
        them as ``_read_group``."""
        if any(spec not in self._pivot_set_aggregates for spec in aggregates) or expression.is_false(self, domain):
            return None
        terms, ranks = [], {}
        for specs in sets:
            terms += [spec for spec in specs if spec not in terms]
        for spec in terms:
            field = self._fields.get(spec.split(":")[0])
            if field is None or not field.store or field.type in ("one2many", "many2many"):
                return None
            if field.type == "many2one" and self.env[field.comodel_name]._order != "id":
                ranks[spec] = self._group_ranks(field.comodel_name)
                if not ranks[spec]:
                    return None
        # Each grouping must list its fields in the order of the others' (a pivot's rows, then columns);
        # PostgreSQL's GROUPING() tells up to 31 fields apart.
        if len(terms) > 31 or any([term for term in terms if term in specs] != list(specs) for specs in sets):
            return None
        return terms, ranks

    def _sums_up(self, groups, rows):
        """Whether PostgreSQL expects the statement ``groups`` to give at
        least SETS_MIN_SHRINK times fewer rows than the statement ``rows``."""
        def expected(statement):
            (plan,) = self.env.execute_query(SQL("EXPLAIN (FORMAT JSON) %s", statement))[0][0]
            return plan["Plan"]["Plan Rows"]

        return expected(groups) * SETS_MIN_SHRINK <= expected(rows)

    # ------------------------------------------------------------------
    # Ranked groups
    # ------------------------------------------------------------------

    def _read_group_orderby(self, order, groupby_terms, query):
        if not order:
            return super()._read_group_orderby(order, groupby_terms, query)
        terms = []
        for order_part in order.split(","):
            match = regex_order.match(order_part)
            field = self._fields.get(match["term"]) if match else None
            ranks = (field is not None and field.type == "many2one" and match["term"] in groupby_terms
                     and self._group_ranks(field.comodel_name))
            if not ranks:
                terms.append(super()._read_group_orderby(order_part, groupby_terms, query))
                continue
            terms.append(self._rank_order(groupby_terms[match["term"]], field, ranks,
                                          (match["direction"] or "").upper() == "DESC",
                                          (match["nulls"] or "").upper()))
        return SQL(", ").join(terms)

    def _rank_order(self, group, field, ranks, descending=False, nulls=""):
        """The ORDER BY terms putting the groups ``group`` of the many2one
        ``field`` at their ``ranks`` (``_group_ranks``), the groups without a
        value where Odoo's join puts them unless ``nulls`` says."""
        if descending:
            ranks = ranks[::-1]
        if not nulls:
            nulls = "NULLS FIRST" if self._nulls_first(self.env[field.comodel_name], descending) else ""
        if nulls == "NULLS FIRST":
            return SQL("%s IS NOT NULL, array_position(%s::int[], %s)", group, ranks, group)
        return SQL("array_position(%s::int[], %s)", ranks, group)

    @api.model
    def _nulls_first(self, model, descending, seen=()):
        """Where Odoo's join puts the rows without a value when it orders by
        ``model``: PostgreSQL's default (first when descending) for the
        direction of the model's first order term, followed through a
        many2one (a campaign step's campaign, then its start date)."""
        first = regex_order.match(model._order.split(",")[0])
        if first["nulls"]:
            return (first["nulls"].upper() == "NULLS FIRST") != descending
        descending = ((first["direction"] or "").upper() == "DESC") != descending
        field = model._fields.get(first["field"])
        if field is not None and field.type == "many2one" and field not in seen \
                and self.env[field.comodel_name]._order != "id":
            return self._nulls_first(self.env[field.comodel_name], descending, (*seen, field))
        return descending

    @api.model
    def _group_ranks(self, model_name):
        """The ids of ``model_name``'s records in its order, archived ones and
        those of other shops included (ranks order groups, they show nothing);
        None when the model's order is its ids or it holds too many records."""
        model = self.env[model_name].sudo().with_context(active_test=False)
        if model._order == "id" or model.search_count([], limit=RANKED_GROUPS_MAX + 1) > RANKED_GROUPS_MAX:
            return None
        return model.search([], limit=RANKED_GROUPS_MAX).ids
