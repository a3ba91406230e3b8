{#
    Per-day incremental models not yet on dbt's microbatch (validated trades, customer trade
    days) load only what is new. Each row records loaded_through_date, the
    export's last day when it was loaded; the largest one is the model's watermark. A run:
    1. deletes (pre-hook: incremental_delete_by_date) the rows without a date, those dated
       after the watermark (e.g. trades that were in the future of their export and must be
       judged again) and those of the reprocess range;
    2. loads (incremental_batch_by_date) the source rows without a date, those dated after the
       watermark and those of the reprocess range.
    A daily build thus reads the new day(s); a first build or --full-refresh reads everything.
    With rejudge=true, both also take every row of the customers listed by
    incremental_prepare_rejudge (below): rows whose verdict depends on the customer.

    Late data (a file for a day already loaded) is not picked up by a daily build: the
    reconciliation test (rows read = kept + quarantined + collapsed) fails and says so, and
    the operator reloads those days with the vars reprocess_from_date and reprocess_to_date
    (inclusive, 'YYYY-MM-DD'; reprocess_to_date null = through the latest day).
#}

{% macro reprocess_range_condition(date_column) %}
    {%- set start = var('reprocess_from_date') -%}
    {%- set end = var('reprocess_to_date') -%}
    {%- for name, value in [('reprocess_from_date', start), ('reprocess_to_date', end)] -%}
        {%- if value is not none and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
            {{ exceptions.raise_compiler_error(
                "var " ~ name ~ " must be a date written 'YYYY-MM-DD' (or null), got '" ~ value ~ "'."
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- if start is none and end is not none -%}
        {{ exceptions.raise_compiler_error(
            "var reprocess_to_date is set without reprocess_from_date: set the first day to reload too."
        ) }}
    {%- endif -%}
    {%- if start is none -%}
        false
    {%- else -%}
        ({{ date_column }} >= cast('{{ start }}' as date)
        {%- if end is not none %} and {{ date_column }} <= cast('{{ end }}' as date){% endif %})
    {%- endif -%}
{% endmacro %}

{#
    True when this run adds to the model's existing rows: dbt's is_incremental() for an
    incremental model, the same test for a batched_incremental one (macros/materializations).
#}
{% macro loads_incrementally() %}
    {%- if execute and this is not string and model.config.materialized == 'batched_incremental' -%}
        {%- set relation = adapter.get_relation(this.database, this.schema, this.identifier) -%}
        {{ return(relation is not none and relation.type == 'table' and not should_full_refresh()) }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{% endmacro %}

{% macro incremental_watermark() %}
    (select max(loaded_through_date) from {{ this }})
{% endmacro %}

{#
    The watermark as a date literal, read when the model is compiled (before its pre-hooks
    delete anything), so a filter on the date reaches the Parquet scan and skips the row
    groups of days already loaded.
#}
{% macro incremental_watermark_literal() -%}
    {%- if this is string -%}
        {#- a unit test's `this` is a CTE of the test query -#}
        {{- return("coalesce(" ~ incremental_watermark() ~ ", cast('1900-01-01' as date))") -}}
    {%- endif -%}
    {%- set watermark = none -%}
    {%- if loads_incrementally() -%}
        {%- set watermark = run_query('select max(loaded_through_date) from ' ~ this).columns[0].values()[0] -%}
    {%- endif -%}
    cast('{{ watermark if watermark is not none else "1900-01-01" }}' as date)
{%- endmacro %}

{% macro incremental_delete_by_date(date_column, rejudge=false) %}
    {%- if loads_incrementally() -%}
        delete from {{ this }}
        where
            {{ date_column }} is null
            or {{ date_column }} > {{ incremental_watermark_literal() }}
            or {{ reprocess_range_condition(date_column) }}
            {%- if rejudge %}
            or {{ rejudge_condition() }}
            {%- endif %}
    {%- endif -%}
{% endmacro %}

{% macro incremental_batch_by_date(date_column, rejudge=false) %}
    {%- if loads_incrementally() -%}
        (
            {{ date_column }} is null
            or {{ date_column }} > {{ incremental_watermark_literal() }}
            or {{ reprocess_range_condition(date_column) }}
            {%- if rejudge %}
            or {{ rejudge_condition() }}
            {%- endif %}
        )
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}

{#
    Re-judging rows whose verdict depends on another table, not on their own day. A row
    quarantined as unknown_customer (the customer was absent) or customer_quarantined, and a
    kept row whose customer is no longer kept (a conflicting version of the customer arrived),
    would otherwise keep its old verdict forever: its day is loaded. Each incremental build
    therefore (pre-hooks) lists those customers in a helper table <model>__rejudge, deletes
    their rows and reloads them with the new batch (incremental_delete_by_date and
    incremental_batch_by_date include them); a post-hook drops the helper table.
    rejudge_customers_sql: a select of one column customer_id, run before the delete.
#}
{% macro rejudge_relation() -%}
    {{ this.incorporate(path={'identifier': this.identifier ~ '__rejudge'}) }}
{%- endmacro %}

{% macro incremental_prepare_rejudge(rejudge_customers_sql) -%}
    {%- if loads_incrementally() -%}
        create or replace table {{ rejudge_relation() }} as
        select distinct customer_id from ({{ rejudge_customers_sql }}) as candidates
        where customer_id is not null
    {%- endif -%}
{%- endmacro %}

{% macro incremental_drop_rejudge() -%}
    drop table if exists {{ rejudge_relation() }}
{%- endmacro %}

{# The rows of a validated model whose customer's verdict may have changed since they were loaded. #}
{% macro rejudge_by_customer_sql(kept_customers) -%}
    select loaded.customer_id from {{ this }} as loaded
    where
        loaded.quarantine_reason in ('unknown_customer', 'customer_quarantined')
        or (
            loaded.quarantine_reason is null
            and not exists (
                select 1 from {{ kept_customers }} as kept
                where kept.customer_id = loaded.customer_id
            )
        )
{%- endmacro %}

{% macro rejudge_condition(customer_column='customer_id') -%}
    {#- a unit test's `this` is a CTE name, with no helper table and no hooks run -#}
    {%- if loads_incrementally() and this is not string -%}
        {{ customer_column }} in (select customer_id from {{ rejudge_relation() }})
    {%- else -%}
        false
    {%- endif -%}
{%- endmacro %}

{#
    For a model built on int_trades_cleaned (int_customer_trade_days): the customers whose old
    trades int_trades_validated judged again in this build (rows loaded now, dated on or
    before this model's watermark, outside the reprocess range, which is reloaded anyway).
#}
{% macro rejudged_trades_sql(validated_trades) -%}
    select customer_id from {{ validated_trades }}
    where
        loaded_by_invocation_id = '{{ invocation_id }}'
        and trade_date <= {{ incremental_watermark() }}
        and not {{ reprocess_range_condition('trade_date') }}
{%- endmacro %}
