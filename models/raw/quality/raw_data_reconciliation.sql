-- Every raw row is accounted for: read = kept + quarantined + exact duplicates collapsed.
-- rows_read is counted on the staging view (the Parquet files themselves), rows kept on the
-- cleaned models every later layer reads, rows quarantined on quarantined_rows and the
-- collapsed copies on the validated models, so a join or filter that loses or multiplies rows
-- shows here.
{% set raw_tables = ['customers', 'trades', 'daily_balances', 'fund_transfers'] %}
{#- the models that hold a table's rows as loaded (default: int_<table>_validated) -#}
{% set loaded_models = {
    'daily_balances': ['int_daily_balances_validated', 'int_daily_balances_undated'],
    'trades': ['int_trades_validated', 'int_trades_unbatched'],
} %}

with

quarantined as (

    select * from {{ ref('quarantined_rows') }}

),

-- the days of the per-day tables whose rows in the files and the warehouse differ
unloaded_days as (

    select
        table_name,
        count(*) as days_not_loaded
    from {{ ref('raw_data_day_reconciliation') }}
    group by table_name

),

{% for table_name in raw_tables %}
    {{ table_name }}_read as (

        select
            '{{ table_name }}' as table_name,
            count(*) as rows_read
        from {{ ref('stg_broker__' ~ table_name) }}

    ),

    {{ table_name }}_validated as (

        select
            '{{ table_name }}' as table_name,
            cast(coalesce(sum(row_copies - 1), 0) as bigint) as duplicates_collapsed
        from (
            {% for model in loaded_models.get(table_name, ['int_' ~ table_name ~ '_validated']) -%}
                select row_copies from {{ ref(model) }}
                {{ "union all" if not loop.last }}
            {% endfor -%}
        ) as loaded

    ),

    {{ table_name }}_kept as (

        select count(*) as rows_kept
        from {{ ref('int_' ~ table_name ~ '_cleaned') }}
        {%- if table_name == 'daily_balances' %}
            -- a stand-in for a quarantined row is no row read
            where carried_forward_from_date is null
        {%- endif %}

    ),

    {{ table_name }}_quarantined as (

        select count(*) as rows_quarantined
        from quarantined
        where table_name = '{{ table_name }}'

    ),

{% endfor %}

unioned as (

    {% for table_name in raw_tables %}
        select
            {{ table_name }}_read.table_name,
            {{ table_name }}_read.rows_read,
            {{ table_name }}_kept.rows_kept,
            {{ table_name }}_quarantined.rows_quarantined,
            {{ table_name }}_validated.duplicates_collapsed
        from {{ table_name }}_read
        cross join {{ table_name }}_validated
        cross join {{ table_name }}_kept
        cross join {{ table_name }}_quarantined
        {{ "union all" if not loop.last }}
    {% endfor %}

),

final as (

    select
        unioned.table_name,
        unioned.rows_read,
        unioned.rows_kept,
        unioned.rows_quarantined,
        unioned.duplicates_collapsed,
        case
            when unioned.rows_read > 0
                then cast(unioned.rows_quarantined as double) / unioned.rows_read
            else 0
        end as quarantine_share,
        coalesce(unloaded_days.days_not_loaded, 0) as days_not_loaded
    from unioned
    left join unloaded_days
        on unioned.table_name = unloaded_days.table_name

)

select * from final
