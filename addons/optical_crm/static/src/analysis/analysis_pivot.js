import { registry } from "@web/core/registry";
import { cartesian, sections } from "@web/core/utils/arrays";
import { PivotModel } from "@web/views/pivot/pivot_model";
import { pivotView } from "@web/views/pivot/pivot_view";

/**
 * The pivot of the results asks the figures of all its groupings (the total,
 * its rows, its columns, its cells) at once: `read_group_sets` works them out
 * in one pass over the rows, where Odoo's pivot asks the total, waits, then
 * asks the others, each a pass of its own. When the server answers that one
 * pass would not pay, the groupings are asked side by side rather than one
 * after the other. Later clicks (opening a header) ask as Odoo does.
 */
export class OpticalCrmAnalysisPivotModel extends PivotModel {
    async _loadData(config, prune = true) {
        this._prefetched = this.orm.isSample ? null : await this._prefetch(config);
        try {
            return await super._loadData(config, prune);
        } finally {
            this._prefetched = null;
        }
    }

    async _prefetch(config) {
        const { metaData } = config;
        const groupBys = cartesian(
            sections(metaData.fullRowGroupBys),
            sections(metaData.fullColGroupBys)
        ).map(([rowGroupBy, colGroupBy]) => rowGroupBy.concat(colGroupBy));
        const measureSpecs = this._getMeasureSpecs(config);
        const context = this.searchParams.context;
        const prefetched = new Map();
        await Promise.all(
            metaData.domains.map(async (domain) => {
                const answer = await this.orm.call(
                    metaData.resModel,
                    "read_group_sets",
                    [domain, measureSpecs, groupBys],
                    { context }
                );
                await Promise.all(
                    groupBys.map(async (groupBy, index) => {
                        const groups = answer
                            ? answer[index]
                            : await this.orm.readGroup(metaData.resModel, domain, measureSpecs, groupBy, {
                                  lazy: false,
                                  context,
                              });
                        prefetched.set(JSON.stringify([domain, groupBy]), groups);
                    })
                );
            })
        );
        return prefetched;
    }

    async _getSubGroups(groupBy, params) {
        const key = JSON.stringify([params.groupDomain, groupBy]);
        if (this._prefetched?.has(key)) {
            return this._prefetched.get(key);
        }
        return super._getSubGroups(groupBy, params);
    }
}

export const opticalCrmAnalysisPivotView = {
    ...pivotView,
    Model: OpticalCrmAnalysisPivotModel,
};

registry.category("views").add("optical_crm_analysis_pivot", opticalCrmAnalysisPivotView);
