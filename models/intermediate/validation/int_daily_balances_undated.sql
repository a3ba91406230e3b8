-- The balance rows without a date (null, or a value that is no date): no microbatch of
-- int_daily_balances_validated holds them, so they are read and judged here on every build,
-- in the validated model's shape. Every one is quarantined (the date is part of the key).
with

daily_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

undated as (

    select * from daily_balances
    where balance_date is null

),

deduplicated as (

    {{ collapse_exact_duplicates('undated', 'daily_balances') }}

),

checked as (

    select
        deduplicated.*,
        {{ balance_row_reason('deduplicated') }} as quarantine_reason,
        export_last_day.last_balance_date as loaded_through_date,
        '{{ invocation_id }}' as loaded_by_invocation_id
    from deduplicated
    cross join export_last_day

),

final as (

    {{ name_source_files('checked', 'undated') }}

)

select * from final
