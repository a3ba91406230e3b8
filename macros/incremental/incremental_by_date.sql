{#
    Per-day incremental models (the large ones: validated balances and trades, customer trade
    days) load only what is new. Each row records loaded_through_date, the
    export's last day when it was loaded; the largest one is the model's watermark. A run:
    1. deletes (pre-hook: incremental_delete_by_date) the rows without a date, those dated
       after the watermark (e.g. trades that were in the future of their export and must be
       judged again) and those of the reprocess range;
    2. loads (incremental_batch_by_date) the source rows without a date, those dated after the
       watermark and those of the reprocess range.
    A daily build thus reads the new day(s); a first build or --full-refresh reads everything.

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

{% macro incremental_watermark() %}
    (select max(loaded_through_date) from {{ this }})
{% endmacro %}

{% macro incremental_delete_by_date(date_column) %}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where
            {{ date_column }} is null
            or {{ date_column }} > {{ incremental_watermark() }}
            or {{ reprocess_range_condition(date_column) }}
    {%- endif -%}
{% endmacro %}

{% macro incremental_batch_by_date(date_column) %}
    {%- if is_incremental() -%}
        (
            {{ date_column }} is null
            or {{ date_column }} > coalesce({{ incremental_watermark() }}, cast('1900-01-01' as date))
            or {{ reprocess_range_condition(date_column) }}
        )
    {%- else -%}
        true
    {%- endif -%}
{% endmacro %}
