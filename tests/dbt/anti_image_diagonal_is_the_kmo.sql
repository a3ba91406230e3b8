-- The anti-image correlation's diagonal is each input's measure of sampling adequacy: the
-- per-input KMO of segment_kmo (every input of a factor model has both).
with

anti_image as (

    select * from {{ ref('segment_anti_image_matrices') }}
    where is_diagonal

),

kmo as (

    select * from {{ ref('segment_kmo') }}
    where
        input_name != 'overall'
        and model_id in (select anti_image.model_id from anti_image)

)

select
    kmo.model_id,
    kmo.input_name,
    kmo.kmo,
    anti_image.anti_image_correlation
from kmo
left join anti_image
    on
        kmo.model_id = anti_image.model_id
        and kmo.input_name = anti_image.input_name
where
    anti_image.anti_image_correlation is null
    or abs(anti_image.anti_image_correlation - kmo.kmo) > 1e-9
