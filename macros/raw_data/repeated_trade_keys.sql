{#
    The trade_ids among `keys` (a relation or CTE with a trade_id column) with more than one
    version among every trades row read: the whole int_trades_validated (unfiltered, also
    inside a microbatch) and int_trades_unbatched. A select of trade_id and key_versions: a
    probe of every row against the few keys given, not a grouping of every key.

    Arguments: _raw_data__macros.yml (beside this file).
#}
{% macro repeated_trade_keys(keys) -%}
    select
        trade_id,
        count(*) as key_versions
    from (
        select trade_id from {{ ref('int_trades_validated').render() }}
        where trade_id in (select {{ keys }}.trade_id from {{ keys }})
        union all
        select trade_id from {{ ref('int_trades_unbatched') }}
        where trade_id in (select {{ keys }}.trade_id from {{ keys }})
    ) as versions
    group by trade_id
    having count(*) > 1
{%- endmacro %}
