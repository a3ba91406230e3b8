-- Who moved from which group to which (客户迁移), per scheme, between two as-of dates: the
-- vars migration_from_date and migration_to_date ('YYYY-MM-DD'), by default the two latest
-- as-of dates built. A customer without a group at the from date (new) has a null
-- from_segment_code; one without a group at the to date (gone) a null to_segment_code.
{%- for name in ['migration_from_date', 'migration_to_date'] %}
    {%- set value = var(name) %}
    {%- set is_date = modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) %}
    {%- if value is not none and not is_date %}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a date written 'YYYY-MM-DD' (or null), got '" ~ value ~ "'."
        ) }}
    {%- endif %}
{%- endfor %}
with

segment_runs as (

    select * from {{ ref('segment_runs') }}

),

history as (

    select * from {{ ref('int_segment_history') }}

),

ranked_dates as (

    select
        scheme,
        as_of_date,
        row_number() over (partition by scheme order by as_of_date desc) as recency_rank
    from segment_runs

),

date_pairs as (

    select
        scheme,
        {% if var('migration_from_date') is not none -%}
            cast('{{ var("migration_from_date") }}' as date)
        {%- else -%}
            max(case when recency_rank = 2 then as_of_date end)
        {%- endif %} as from_as_of_date,
        {% if var('migration_to_date') is not none -%}
            cast('{{ var("migration_to_date") }}' as date)
        {%- else -%}
            max(case when recency_rank = 1 then as_of_date end)
        {%- endif %} as to_as_of_date
    from ranked_dates
    group by scheme

),

segments_at_from as (

    {{ segments_valid_at('history', 'date_pairs', 'from_as_of_date') }}

),

segments_at_to as (

    {{ segments_valid_at('history', 'date_pairs', 'to_as_of_date') }}

),

moves as (

    select
        coalesce(segments_at_from.scheme, segments_at_to.scheme) as scheme,
        segments_at_from.segment_code as from_segment_code,
        segments_at_to.segment_code as to_segment_code
    from segments_at_from
    full outer join segments_at_to
        on
            segments_at_from.customer_id = segments_at_to.customer_id
            and segments_at_from.scheme = segments_at_to.scheme

),

final as (

    select
        moves.scheme,
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        moves.from_segment_code,
        moves.to_segment_code,
        count(*) as customers
    from moves
    inner join date_pairs
        on moves.scheme = date_pairs.scheme
    where date_pairs.from_as_of_date is not null
    group by
        moves.scheme,
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        moves.from_segment_code,
        moves.to_segment_code

)

select * from final
