{#
    The deliberate way to start the segment records over: the fitted models (the fits' tables
    and segment_model_artifacts), the as-of dates built (segment_runs) and the segment history
    (the snapshot, or segment_assignment_log on Spark). A --full-refresh keeps them: they are
    records, not tables derived from the export, so each carries full_refresh=false, and that
    config is what this operation reads to find them (plus the snapshots, which dbt never
    rebuilds, and on Spark the fits' tables of source segment_fits).

        dbt run-operation reset_segment_records                       # lists them, drops nothing
        dbt run-operation reset_segment_records --args '{confirm: true}'  # drops them

    The next build fits new models (segmentation_refit auto) and starts the history anew.
#}
{% macro reset_segment_records(confirm=false) %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set records = [] -%}
    {%- for node in graph.nodes.values() | sort(attribute='name') -%}
        {%- set is_record = node.resource_type == 'snapshot'
            or (node.resource_type == 'model' and node.config.full_refresh == false) -%}
        {%- if is_record and node.config.enabled -%}
            {%- do records.append((node.database, node.schema, node.alias or node.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if target.type == 'spark' -%}
        {%- for source in graph.sources.values() | sort(attribute='name')
            if source.source_name == 'segment_fits' -%}
            {%- do records.append((source.database, source.schema, source.identifier)) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set found = [] -%}
    {%- for database, schema, identifier in records -%}
        {%- set relation = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
        {%- if relation is not none -%}{%- do found.append(relation) -%}{%- endif -%}
    {%- endfor -%}
    {%- if not confirm -%}
        {{ log("reset_segment_records: " ~ found | length ~ " record table(s) would be dropped: "
            ~ (found | join(', ') or 'none') ~ ". Nothing was dropped; run again with "
            ~ "--args '{confirm: true}' to drop them (keep a copy first if you may need them).", info=True) }}
        {{ return('') }}
    {%- endif -%}
    {%- for relation in found -%}
        {%- do adapter.drop_relation(relation) -%}
        {{ log("reset_segment_records: dropped " ~ relation, info=True) }}
    {%- endfor -%}
    {#- run-operation does not commit by itself (a no-op on Spark, which has no transactions) -#}
    {%- if found -%}{%- do adapter.commit() -%}{%- endif -%}
    {{ log("reset_segment_records: " ~ found | length ~ " record table(s) dropped; the next build "
        ~ "fits new models and starts the segment history anew.", info=True) }}
{% endmacro %}
